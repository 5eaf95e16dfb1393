import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

function statButton(label, count) {
    return {
        content: `${count} message(s) ${label}`,
        trigger: `button[name=action_view_messages]:contains(${label}) .o_stat_value:contains(${count})`,
    };
}

const campaignsMenu = [
    ...stepUtils.goToAppSteps("mass_sms.mass_sms_menu_root", "Open the Mass SMS app"),
    {
        content: "Campaigns are a menu of Mass SMS",
        trigger: ".o_main_navbar [data-menu-xmlid='sms_campaign_rules.sms_campaign_menu_root']",
        run: "click",
    },
    { trigger: ".dropdown-item[data-menu-xmlid='sms_campaign_rules.sms_campaign_menu_campaigns']", run: "click" },
    { content: "The campaigns are listed", trigger: ".o_control_panel .o_breadcrumb:contains(Campaigns)" },
];

registry.category("web_tour.tours").add("sms_campaign_rules_direct_campaign", {
    url: "/odoo",
    steps: () => [
        ...campaignsMenu,
        { content: "Create a campaign", trigger: ".o_list_button_add", run: "click" },
        { trigger: ".o_field_widget[name=name] input", run: "edit Tour campaign" },
        { trigger: ".o_field_widget[name=rule_id] input", run: "edit Tour contacts" },
        { trigger: ".o-autocomplete--dropdown-item:contains(Tour contacts)", run: "click" },
        {
            content: "The rule's parameter gets a value",
            trigger: ".o_field_widget[name=param_value_ids] .o_data_row:contains(Tag) td[name=value_char]",
            run: "click",
        },
        { trigger: ".o_field_widget[name=param_value_ids] td[name=value_char] input", run: "edit Tour" },
        { trigger: ".o_field_widget[name=message] textarea", run: "edit Hello , see you soon!" },
        {
            content: "Put the cursor after Hello",
            trigger: ".o_field_widget[name=message] textarea",
            run() {
                this.anchor.focus();
                this.anchor.setSelectionRange(6, 6);
            },
        },
        {
            content: "Insert the rule's {name} parameter at the cursor",
            trigger: ".o_field_widget[name=available_parameters] button:contains({name})",
            run: "click",
        },
        { trigger: ".o_field_widget[name=message] textarea:value(\"Hello {name}, see you soon!\")" },
        { trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_form_saved" },
        { content: "Preview", trigger: "button[name=action_preview]", run: "click" },
        {
            content: "The preview shows the recipients and their messages",
            trigger: ".o_notification:contains(1 recipients):contains(Hello Tour Contact, see you soon!)",
        },
        { content: "Activate", trigger: "button[name=action_activate]", run: "click" },
        { trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Active)" },
        statButton("Pending", 1),
        statButton("Delivered", 0),
    ],
});

registry.category("web_tour.tours").add("sms_campaign_rules_campaign_delivered", {
    url: "/odoo",
    steps: () => [
        ...campaignsMenu,
        { trigger: ".o_data_row:contains(Tour campaign) td[name=name]", run: "click" },
        statButton("Pending", 0),
        statButton("Delivered", 1),
        { content: "Open the delivered messages", trigger: "button[name=action_view_messages]:contains(Delivered)", run: "click" },
        { trigger: ".o_data_row:contains(+32470000700):contains(Hello Tour Contact, see you soon!):contains(Delivered)" },
    ],
});
