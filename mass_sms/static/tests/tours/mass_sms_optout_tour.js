import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("mass_sms_optout", {
    steps: () => [
        {
            content: "The page is the company's, sized for a phone",
            trigger: ".o_sms_optout .o_sms_optout_company:contains('YourCompany')",
        },
        {
            content: "One tap unsubscribes",
            trigger: "button.o_sms_optout_unsubscribe",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The customer sees it is done, and how to come back",
            trigger: "h1:contains('You are unsubscribed')",
        },
        {
            trigger: "button.o_sms_optout_resubscribe",
            run: "click",
            expectUnloadPage: true,
        },
        {
            trigger: "h1:contains('Welcome back')",
        },
    ],
});
